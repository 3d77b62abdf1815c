"""The demo organization "Splash Academy" (slug demo), one module per area.

`manage.py seed_demo` runs `portal.demo.seed.seed_all`, which calls each area's
`seed(...)` in order. Every step is safe to run again: it adds only what is
missing, so a second run is quick and changes nothing.
"""
