"""What users' words the service keeps: question and comment text in its logs and feedback, only when enabled.

By default the request log has no question and the feedback folder no question and no comment: a user may type
anything, personal data included. ``--log-questions`` puts the question in the request log line and
``--feedback-text`` keeps the question and the comment with feedback (so negative feedback can become test-set
candidates). Whatever is kept, and the answers the feedback folder stores, go through the same redaction ingest
applies to the app's documents (``spec.privacy``: the same finder and ``[KIND]`` placeholders, whatever its
action), so an app that redacts its corpus never writes a value it would have redacted there.
"""

from __future__ import annotations

from ragops.config.privacy import PrivacySpec
from ragops.rag.redaction import TextRedactor


class KeptText:
    def __init__(self, log_questions: bool, feedback_text: bool, privacy: PrivacySpec | None) -> None:
        self.log_questions = log_questions
        self.feedback_text = feedback_text
        self._redactor = TextRedactor(privacy) if privacy is not None else None

    def redacted(self, text: str) -> str:
        """``text`` as the app's ``spec.privacy`` redacts documents (as is without one)."""
        return self._redactor(text) if self._redactor is not None else text

    def for_log(self, question: str) -> str | None:
        """The question as the request log may show it, or None when questions are not logged."""
        return self.redacted(question) if self.log_questions else None

    def for_feedback(self, text: str | None) -> str | None:
        """A question or comment as the feedback folder may keep it, or None when such text is not kept."""
        return self.redacted(text) if self.feedback_text and text is not None else None
