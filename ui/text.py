"""Text from a user, a price table, an upload or a link, shown as text: never as Markdown or HTML.

Streamlit renders Markdown (GitHub's flavour, with its own directives) in ``st.markdown``, in every
alert (``st.warning``, ``st.error``, ...), captions, headers, ``st.table`` cells, expander and
widget labels, radio options and progress texts; plotly renders a subset of HTML in chart titles,
names and labels. Text a visitor or a shared table supplies would otherwise plant links and images
(which every other user's browser fetches) on everyone's page. So every such text goes through one
of the two functions here before it is drawn:

- ``md(text)`` where Streamlit reads Markdown: every ASCII punctuation character is escaped with a
  backslash (CommonMark's rule: a backslash before any of them shows it literally), so no emphasis,
  link, image, HTML, heading, table, math (``$``) or directive (``:red[...]``) can form; and a WORD
  JOINER (U+2060, invisible, zero width) follows each ``:`` and ``@`` and sits inside ``www.``, since
  GitHub's "autolink literals" turn a bare ``http://...``, ``www....`` or ``name@host`` into a link
  *after* escapes are resolved, and ``:name:`` into an emoji or icon. Line breaks are kept as line
  breaks (Markdown would join the lines).
- ``chart(text)`` for plotly: ``<``, ``>`` and ``&`` as entities, which plotly shows as the characters.

The text itself is what people read; only copying it from the page brings the invisible joiners along.
Our own fixed Markdown (``**bold**`` around a label of ours) is written around the escaped parts.
"""

from __future__ import annotations

import html
import re
import string

WORD_JOINER = "\u2060"
_ESCAPED = {ord(ch): "\\" + ch for ch in string.punctuation}
# After escaping: a joiner after each ":" and "@" (autolinks, e-mail links, :emoji: and :material/icon:
# codes) and inside "www." (www autolinks), which GitHub's autolink literals find in the resolved text.
_JOINED = re.compile(r"(\\[:@])|(www)(?=\\\.)", re.IGNORECASE)


def md(text: object) -> str:
    r"""``text`` escaped for a place where Streamlit renders Markdown: shown exactly as written.

    >>> md("![](http://host/x) **bold** 5 * 3 = $15")
    '\\!\\[\\]\\(http\\:\u2060\\/\\/host\\/x\\) \\*\\*bold\\*\\* 5 \\* 3 \\= \\$15'
    >>> md("www.example.com") == "www\u2060\\.example\\.com"
    True
    >>> md("line one\nline two")  # each line break kept as a hard break
    'line one  \nline two'
    """
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    escaped = (_JOINED.sub(_join, line.translate(_ESCAPED)) for line in lines)
    return "  \n".join(escaped)


def _join(match: re.Match[str]) -> str:
    return (match.group(1) or match.group(2)) + WORD_JOINER


def chart(text: object) -> str:
    """``text`` escaped for a plotly title, name, tick or hover label (plotly reads a subset of HTML).

    >>> chart('<a href="http://host">x</a> & <img src=y>')
    '&lt;a href="http://host"&gt;x&lt;/a&gt; &amp; &lt;img src=y&gt;'
    """
    return html.escape(str(text), quote=False)
