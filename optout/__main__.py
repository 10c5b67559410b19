from optout.cli.commands import main

main()
