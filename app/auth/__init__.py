"""Sign-in, sign-out, password change, and the rules that keep sessions safe: lockout after
failed sign-ins, idle and absolute timeouts, fresh passwords for sensitive actions."""
