"""The shipped Salesforce metadata and Apex agree with the Email Cases wire contract Baton verifies.

These read the source files only; the behaviour itself is covered by the Apex test class, which runs
on deployment to an org (``--test-level RunSpecifiedTests --tests BatonWebhookTest``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

SOURCE_DIR = Path(__file__).resolve().parents[2] / "salesforce" / "force-app" / "main" / "default"
NS = {"md": "http://soap.sforce.com/2006/04/metadata"}
EVENT_KEYS = ["type", "id", "case_id", "session_id", "body", "is_published", "author_name", "created_at"]
EVENT_TYPES = {"case_comment.created", "email_message.created", "case.closed"}


def metadata(relative: str) -> ET.Element:
    return ET.parse(SOURCE_DIR / relative).getroot()


def text(element: ET.Element, tag: str) -> str | None:
    found = element.find(f"md:{tag}", NS)
    return None if found is None else found.text


def apex(name: str) -> str:
    return (SOURCE_DIR / "classes" / f"{name}.cls").read_text(encoding="utf-8")


def test_case_from_field_is_plain_text() -> None:
    field = metadata("objects/Case/fields/Case_From__c.field-meta.xml")

    assert text(field, "fullName") == "Case_From__c"
    assert text(field, "type") == "Text"
    assert text(field, "length") == "255"
    assert text(field, "unique") == "false"
    assert text(field, "externalId") == "false"


def test_session_id_field_is_a_unique_case_sensitive_external_id() -> None:
    field = metadata("objects/Case/fields/OpenCX_Session_Id__c.field-meta.xml")

    assert text(field, "fullName") == "OpenCX_Session_Id__c"
    assert text(field, "type") == "Text"
    assert text(field, "length") == "255"
    assert text(field, "externalId") == "true"
    assert text(field, "unique") == "true"
    assert text(field, "caseSensitive") == "true"


def test_settings_are_a_protected_hierarchy_custom_setting() -> None:
    settings = metadata("objects/Baton_Settings__c/Baton_Settings__c.object-meta.xml")
    fields = {path.name.split(".")[0] for path in (SOURCE_DIR / "objects/Baton_Settings__c/fields").iterdir()}

    assert text(settings, "customSettingsType") == "Hierarchy"
    assert text(settings, "visibility") == "Protected"
    assert {"Webhook_Secret__c", "Integration_Username__c", "Webhook_Disabled__c"} <= fields


def test_named_credential_supplies_only_the_url() -> None:
    credential = metadata("namedCredentials/OpenCX_Integration.namedCredential-meta.xml")
    parameters = {
        text(parameter, "parameterType"): parameter
        for parameter in credential.findall("md:namedCredentialParameters", NS)
    }

    assert text(credential, "namedCredentialType") == "SecuredEndpoint"
    assert text(credential, "generateAuthorizationHeader") == "false"
    assert str(text(parameters["Url"], "parameterValue")).startswith("https://")
    assert text(parameters["Authentication"], "externalCredential") == "OpenCX_Webhook"
    assert (SOURCE_DIR / "externalCredentials/OpenCX_Webhook.externalCredential-meta.xml").exists()


@pytest.mark.parametrize("permission_set", ["Baton_Integration", "Baton_Reply_Sync"])
def test_permission_sets_grant_the_webhook_principal(permission_set: str) -> None:
    external = metadata("externalCredentials/OpenCX_Webhook.externalCredential-meta.xml")
    principals = [
        text(parameter, "parameterName")
        for parameter in external.findall("md:externalCredentialParameters", NS)
        if text(parameter, "parameterType") == "NamedPrincipal"
    ]
    granted = metadata(f"permissionsets/{permission_set}.permissionset-meta.xml")
    accesses = [
        text(access, "externalCredentialPrincipal")
        for access in granted.findall("md:externalCredentialPrincipalAccesses", NS)
        if text(access, "enabled") == "true"
    ]

    assert principals == ["Baton_Webhook"]
    assert accesses == ["OpenCX_Webhook-Baton_Webhook"]


def test_integration_permission_set_writes_both_fields_and_runs_the_classes() -> None:
    granted = metadata("permissionsets/Baton_Integration.permissionset-meta.xml")
    writable = {
        text(permission, "field")
        for permission in granted.findall("md:fieldPermissions", NS)
        if text(permission, "editable") == "true" and text(permission, "readable") == "true"
    }
    classes = {text(access, "apexClass") for access in granted.findall("md:classAccesses", NS)}
    shipped = {path.stem for path in (SOURCE_DIR / "classes").glob("*.cls") if not path.stem.endswith("Test")}

    assert writable == {"Case.Case_From__c", "Case.OpenCX_Session_Id__c"}
    assert classes == shipped


@pytest.mark.parametrize(
    ("trigger", "sobject", "event"),
    [
        ("BatonCaseCommentTrigger", "CaseComment", "after insert"),
        ("BatonEmailMessageTrigger", "EmailMessage", "after insert"),
        ("BatonCaseTrigger", "Case", "after update"),
    ],
)
def test_triggers_fire_on_the_right_events(trigger: str, sobject: str, event: str) -> None:
    source = (SOURCE_DIR / "triggers" / f"{trigger}.trigger").read_text(encoding="utf-8")
    meta = metadata(f"triggers/{trigger}.trigger-meta.xml")

    assert re.search(rf"trigger\s+{trigger}\s+on\s+{sobject}\s*\(\s*{event}\s*\)", source)
    assert text(meta, "status") == "Active"


def test_apex_sends_the_exact_headers_and_signature() -> None:
    source = apex("BatonWebhookQueueable")
    settings = apex("BatonSettings")

    assert "NAMED_CREDENTIAL = 'OpenCX_Integration'" in settings
    assert "ENDPOINT = 'callout:' + BatonSettings.NAMED_CREDENTIAL" in source
    assert "implements Queueable, Database.AllowsCallouts" in source
    assert "request.setMethod('POST')" in source
    assert "request.setHeader('Content-Type', 'application/json')" in source
    assert "request.setHeader('X-Baton-Timestamp', timestamp)" in source
    assert "request.setHeader('X-Baton-Signature', 'sha256=' + sign(timestamp, body, secret))" in source
    assert "String.valueOf(Datetime.now().getTime() / 1000)" in source
    assert (
        "Crypto.generateMac('hmacSHA256', Blob.valueOf(timestamp + '.' + body), Blob.valueOf(secret))"
        in source
    )
    assert "EncodingUtil.convertToHex(mac)" in source


def test_apex_payload_keys_are_written_in_contract_order() -> None:
    source = apex("BatonWebhookQueueable")
    serializer = source[source.index("private static String serialize(") :]
    serializer = serializer[: serializer.index("return generator.getAsString();")]

    keys = re.findall(
        r"(?:writeNullableString\(generator|generator\.writeBooleanField\()\s*,?\s*'([a-z_]+)'", serializer
    )

    assert "generator.writeFieldName('events')" in serializer
    assert keys == EVENT_KEYS


def test_apex_event_types_ids_and_timestamps_match_the_contract() -> None:
    source = apex("BatonWebhookQueueable")

    types = set(re.findall(r"TYPE_[A-Z_]+ = '([a-z_.]+)'", source))
    assert types == EVENT_TYPES
    assert "String.valueOf(closed.Id) + ':closed:' + closedAt" in source
    assert "'yyyy-MM-dd\\'T\\'HH:mm:ss\\'Z\\''" in source
    assert "formatGmt(ISO_8601_UTC)" in source


def test_apex_known_answer_signature_matches_python_hmac() -> None:
    test_source = apex("BatonWebhookTest")
    secret = re.search(r"String SECRET = '([^']+)'", test_source)
    expected = re.search(
        r"'([0-9a-f]{64})',\s*BatonWebhookQueueable\.sign\('(\d+)', '([^']*)', SECRET\)", test_source
    )
    assert secret and expected

    digest = hmac.new(
        secret.group(1).encode(), f"{expected.group(2)}.{expected.group(3)}".encode(), hashlib.sha256
    ).hexdigest()

    assert digest == expected.group(1)


def test_apex_tests_cover_the_required_cases() -> None:
    test_source = apex("BatonWebhookTest")

    assert "Test.setMock(HttpCalloutMock.class" in test_source
    assert "Test.startTest();" in test_source
    assert "Test.stopTest();" in test_source
    for name in (
        "twoHundredCommentsMakeOneCallout",
        "commentsByTheIntegrationUserAreSkipped",
        "casesWithoutSessionAreSkipped",
        "unpublishedCommentIsSentAsInternal",
        "outgoingEmailIsSentAndIncomingEmailIsSkipped",
        "closingALinkedCaseSendsACloseEvent",
    ):
        assert re.search(rf"@IsTest\s+static void {name}\(\)", test_source), name
