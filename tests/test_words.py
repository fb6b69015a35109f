"""The one table of the words a book prints on its own (publish/words.py)."""

from __future__ import annotations

from publish.words import WORDS, fallbacks, words


def test_a_tag_finds_its_words_along_its_fallbacks():
    assert fallbacks("zh-TW") == ["zh-tw", "zh-hant", "zh", "en"]
    assert fallbacks("zh-Hans-HK") == ["zh-hans-hk", "zh-hans", "zh", "en"]
    # Traditional Chinese has its own callout titles; what it lacks comes from Chinese.
    assert words("zh-TW")["callout.info"] == "說明"
    assert words("zh-Hant")["toc"] == "目錄" and words("zh-HK")["notes"] == "註釋"
    assert words("zh-TW")["callout.tip"] == "提示"  # the same characters: from Chinese
    assert words("zh-CN")["callout.info"] == "说明"
    # A book in English, or in a language without a table, reads English.
    assert words("en-GB")["toc"] == "Contents"
    assert words("fr")["page_ref.before"] == " (see page "
    assert words("")["notes"] == "Notes"


def test_every_language_says_only_what_english_says():
    """A misspelt key in a language's table would never be read: English has them all."""
    for tag, table in WORDS.items():
        assert set(table) <= set(WORDS["en"]), tag
