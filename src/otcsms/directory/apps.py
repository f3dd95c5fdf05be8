from otcsms.core import registry


class DirectoryConfig(registry.OtcsmsAppConfig):
    name = "otcsms.directory"
    label = "directory"
    verbose_name = "Directory login"
