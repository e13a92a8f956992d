"""Document renderers (SKP as DOCX through docxtpl and as PDF through wkhtmltopdf)."""
