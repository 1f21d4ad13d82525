# Help, version, and usage errors (exit 2), each on one line.
fd --version
fd --help
fd help customer
fd contact --help
fd customer add --help
note usage errors
fd
fd custmer find zoe
fd --colour
fd --db
fd help nosuch
fd customer
fd customer ad --name X
fd customer add --nmae X
fd customer add
fd customer find
fd customer find x --format xml
fd customer find x --limit 0
fd customer show x --format csv
fd contact log --outcome resolved
fd contact log --service complaint
fd contact log --service complaint --outcome resolved --reason why
fd contact log --service complaint --outcome referred
fd contact log --service complaint --outcome resolved --duration soon
fd case list --status shut
fd config get
fd import
fd demo generate --customers 1
