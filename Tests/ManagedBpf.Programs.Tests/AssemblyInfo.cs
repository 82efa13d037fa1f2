// A child process forked by one test holds a copy of every descriptor of this process until it execs
// (close-on-exec closes them only then), this test's links included, so a link disposed in that window
// lives on until the exec. The attach tests check that disposing stops a program at once, so they run one
// at a time rather than alongside tests that start helpers, gcc or ip.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
