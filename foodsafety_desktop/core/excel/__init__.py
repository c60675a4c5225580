"""Excel workbooks exchanged with departments: report templates out, returned workbooks in."""
