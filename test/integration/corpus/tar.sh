# tar with gzip: create, list, extract, compare
mkdir -p src/sub && seq 1 3000 > src/a && printf 'x' > src/sub/b
tar czf a.tgz src && tar tzf a.tgz | sort
mkdir out && tar xzf a.tgz -C out && diff -r src out/src && echo same
