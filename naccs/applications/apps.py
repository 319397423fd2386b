from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "naccs.applications"
    verbose_name = "申込"

    def ready(self):
        """Each kind of 申込 appears under 申請を行う in the menu and on the 申込実施 page."""
        from naccs.portal.menu import register_apply_entry

        from .kinds import all_kinds

        for kind in all_kinds():
            register_apply_entry(kind.label, kind.guidance_url_name)
