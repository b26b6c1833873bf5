"""The public directory: home, browse, listing pages."""
