from sim._entry import main

raise SystemExit(main())
