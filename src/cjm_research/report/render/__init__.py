"""The two formats: Word (``docx``, python-docx on the reference document) and HTML (``html``)."""
