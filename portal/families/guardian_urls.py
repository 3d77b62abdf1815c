"""URLs of Account Information: guardians and their contact data."""

app_name = "guardians"

urlpatterns = []
