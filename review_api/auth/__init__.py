"""Sign-in (OAuth2 password flow) and the caller's own account."""
