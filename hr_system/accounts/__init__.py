"""Logins, roles, passwords and personal API tokens, run by HR officers and system
administrators without the Django admin (issue 14).

`access` says who may act on which login and grant which role (the privilege ladder),
`actions` makes every write (keyword-only, atomic, audited); `views` (pages) and `api`
(the `/api/v1/accounts` router) are thin layers over both and never import each other.
"""


class AccountError(Exception):
    """A write refused for what it would write (not for who asks): the message is for
    the user, `field` names the form or API field it concerns."""

    def __init__(self, message: str, field: str = "__all__"):
        super().__init__(message)
        self.message = message
        self.field = field
