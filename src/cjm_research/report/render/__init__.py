"""The two formats: Word (``docx``, python-docx on the reference document) and HTML (``html``)."""

#: The words both formats print before a caution (an evidence or review warning), so that it reads
#: as one when the colour is gone: printed in black and white, or read out by a screen reader.
CAUTION = "Caution:"

#: A table of at most this many rows is kept on one page (a three-row table split with its last
#: row alone under a repeated header); a longer one may break between rows, its header repeated.
KEEP_TOGETHER_ROWS = 12
