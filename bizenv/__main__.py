from bizenv.cli import main

raise SystemExit(main())
