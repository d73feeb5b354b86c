import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case, without accents or ligatures, one space between words: « Œuvre  Équipe » →
    « oeuvre equipe »."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().replace("œ", "oe").replace("æ", "ae")
    return _SPACES.sub(" ", text).strip()
