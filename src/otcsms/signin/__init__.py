"""Sign-in: multi-factor authentication (TOTP, WebAuthn security keys, recovery codes), the organisation's MFA
policy, session records with idle/absolute timeouts and revocation, re-authentication for sensitive actions,
and login events in the audit trail (docs/signin.md)."""
