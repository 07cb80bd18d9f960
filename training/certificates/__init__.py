"""Course certificates: PDFs with a verification code and a public page that confirms them."""
