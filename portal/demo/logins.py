"""The demo's logins, printed by `make demo` and used by its tests."""

DEMO_SLUG = "demo"
PARENT_EMAIL = "parent@example.com"
PARENT_PASSWORD = "portico-demo"
STAFF_EMAIL = "admin@example.com"
STAFF_PASSWORD = "portico-admin"
# Staff in the other two roles, to try what each may do in the admin.
ROLE_LOGINS = [
    ("desk@example.com", ("Dana", "Desk"), "front_desk"),
    ("marketing@example.com", ("Morgan", "Marketing"), "marketing"),
]
