"""Imports into the inventory: a CSV of customers, installations and holdings (csv_import), and
an innovaphone PBX user list counted into one installation's licenses (pbx).

These modules read, parse, validate and plan; they never write. The writes are
`services.csv_import_commit` and `services.installation_pbx_apply`.
"""

from common.errors import DomainError


class ImportFileError(DomainError):
    """The uploaded file as a whole cannot be used; the message tells the user what to do."""
