"""Reads about companies that several apps need."""

from .models import Company


def contact_addresses(company: Company) -> list[str]:
    """Where notices to a company go: the mail address of each of its active users."""
    return sorted(set(company.users.filter(is_active=True).exclude(email="").values_list("email", flat=True)))
