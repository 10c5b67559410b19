from optout.cli.group import main

main()
