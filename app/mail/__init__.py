"""E-mail: the outbox, composing mails in the recipient's language, the notifications, the
sender (after the commit, or `flask mail send` from cron) and the admin's outbox page."""
