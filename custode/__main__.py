from custode.cli import main

main()
