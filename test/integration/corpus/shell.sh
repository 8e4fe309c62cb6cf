# sh and bash: pipelines, subshells, redirections, here-documents
seq 1 5000 | sort -rn | head -3
( cd /; ls -d usr etc ) | wc -l
x=$( (echo inner; echo more) | tr a-z A-Z ); echo "$x"
bash -c 'for i in {1..40}; do echo $i; done | tac | paste -sd+ | awk "{print \$0}"'
bash -c 'set -o pipefail; false | true; echo "pipefail $?"'
cat <<END > here.txt
line one
line two
END
wc -l < here.txt
sh -c 'exit 3'; echo "sub status $?"
