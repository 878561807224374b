"""The registry's pages: dashboards and drill-down (`regions`), households (`households`)."""
