"""Staff accounts, managed by admins."""
