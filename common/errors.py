"""The one error type of the domain: a refused action, with what the user should read and do.

Services raise `DomainError` and change nothing when they do; views show it next to the form
field it names (`common.web.show_error`) or as a message; the API turns it into a problem
document. Its texts are already in the user's language when raised.
"""

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError


class DomainError(Exception):
    """A refused action. `message` is for the user; `field` names the form field to blame, if
    one is. A refusal with several fields to blame carries them in `errors` (field → messages;
    the key None is the action as a whole). Work done in the background stores `code` and
    `params` instead of the text, to say it later in the reader's language."""

    def __init__(self, message: str = "", *, field: str | None = None,
                 errors: Mapping[str | None, Iterable[str]] | None = None, code: str = "",
                 params: Mapping[str, object] | None = None):
        self.code = code
        self.params = dict(params or {})
        if errors is None:
            errors = {field: [message]}
        self.errors: dict[str | None, list[str]] = {
            key: [str(text) for text in texts] for key, texts in errors.items()}
        self.messages = [text for texts in self.errors.values() for text in texts]
        self.message = str(message) if message else " ".join(self.messages)
        fields = list(self.errors)
        self.field = field if field is not None else (fields[0] if len(fields) == 1 else None)
        super().__init__(self.message)

    @classmethod
    def from_validation_error(cls, error: ValidationError) -> "DomainError":
        """Django's model validation (`full_clean`) in the domain's terms."""
        if hasattr(error, "error_dict"):
            return cls(errors={None if key == "__all__" else key: messages
                               for key, messages in error.message_dict.items()})
        return cls(errors={None: error.messages})
