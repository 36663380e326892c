/** Reports outgoing emails on Baton-linked Cases to Baton. */
trigger BatonEmailMessageTrigger on EmailMessage (after insert) {
    BatonWebhookTriggerHandler.handleEmailMessagesInserted(Trigger.new);
}
