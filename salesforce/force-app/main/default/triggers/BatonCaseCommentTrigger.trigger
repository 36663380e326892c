/** Reports new comments on Baton-linked Cases (published or internal) to Baton. */
trigger BatonCaseCommentTrigger on CaseComment (after insert) {
    BatonWebhookTriggerHandler.handleCaseCommentsInserted(Trigger.new);
}
