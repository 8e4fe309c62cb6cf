# git: init, add, commit, log
git init -q repo && cd repo && printf 'hello\n' > f && git add f &&
git -c user.name=t -c user.email=t@example.invalid commit -q -m first &&
git log --format=%s && git status --short && git ls-files
