/** Reports Baton-linked Cases that have just been closed to Baton. */
trigger BatonCaseTrigger on Case (after update) {
    BatonWebhookTriggerHandler.handleCasesUpdated(Trigger.new, Trigger.oldMap);
}
