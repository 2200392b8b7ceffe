from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The pages that combine every app (the home page, the navigation) and the demo loader."""

    name = "pages"
