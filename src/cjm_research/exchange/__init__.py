"""Exchange with other tools: review sheets (CSV/XLSX) for researchers, REFI-QDA projects."""
