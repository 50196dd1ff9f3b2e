from simbias.cli import main

main()
