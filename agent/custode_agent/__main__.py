from custode_agent.cli import main

raise SystemExit(main())
