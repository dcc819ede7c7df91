"""xinyong: the public credit information platform (公共信用信息平台) of a Chinese city."""

__version__ = "0.1.0"
