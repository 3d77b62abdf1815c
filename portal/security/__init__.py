"""Response hardening: the Content-Security-Policy per area, no-store on
account pages, and the Wagtail admin's inline scripts moved into a static file
so that the policy never needs 'unsafe-inline' for scripts."""
