"""Set-up and glue for the editors' applications (DaVinci Resolve)."""
