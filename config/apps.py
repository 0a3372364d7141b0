from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig


class StaticFilesConfig(BaseStaticFilesConfig):
    # viewflow ships its front-end sources under node_modules; their CSS references files that are not
    # shipped, which breaks the hashed-manifest storage of collectstatic. The built bundles suffice.
    ignore_patterns = [*BaseStaticFilesConfig.ignore_patterns, "node_modules"]
