"""App-level tools that read a finished dataset and may use every stage: the HTML report
(``syngrasp report``) and the USD export (``syngrasp export-usd``)."""
