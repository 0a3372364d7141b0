# Money reads as 59,500,000.00 (Django's zh-Hans formats have no thousands separator).
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
