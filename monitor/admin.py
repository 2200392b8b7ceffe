"""The monitor's figures are not in /beheer/: they are derived from the declared lines, kept in
step in the same transaction as every change to them, and recounted by `manage.py check_monitor
--repair`, never changed by hand."""
