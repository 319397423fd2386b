from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "naccs.applications"
    verbose_name = "申込"

    def ready(self):
        """Each kind of 申込 appears under 申請を行う in the menu and on the 申込実施 page; the renewal banner says
        which terminals already have a reissue under way."""
        from naccs.portal.menu import register_apply_entry
        from naccs.terminals.banner import OpenReissues, register_open_reissues

        from .kinds import all_kinds
        from .models import Application
        from .reissue.selectors import open_reissue_lines

        for position, kind in enumerate(all_kinds()):
            register_apply_entry(kind.label, kind.guidance_url_name, position=position)
        register_open_reissues(
            OpenReissues(
                lines_of=open_reissue_lines,
                url_of=lambda pk: Application(pk=pk).get_absolute_url(),
                status_label=lambda status: Application.Status(status).label,
            )
        )
