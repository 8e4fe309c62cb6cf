# python3: files, sockets, threads and subprocesses
/usr/bin/python3 - <<'PY'
import os, socket, subprocess, threading
with open("p.txt", "w") as f:
    f.write("".join(f"{i}\n" for i in range(1000)))
print(sum(int(l) for l in open("p.txt")))
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
port = srv.getsockname()[1]
def serve():
    c, _ = srv.accept(); c.sendall(c.recv(100).upper()); c.close()
t = threading.Thread(target=serve); t.start()
cl = socket.create_connection(("127.0.0.1", port)); cl.sendall(b"hello"); print(cl.recv(100)); cl.close(); t.join()
res = []
ths = [threading.Thread(target=lambda i=i: res.append(i * i)) for i in range(8)]
[x.start() for x in ths]; [x.join() for x in ths]
print(sorted(res))
print(subprocess.run(["sh", "-c", "echo from child; exit 4"], capture_output=True, text=True))
print(os.path.exists("p.txt"), os.stat("p.txt").st_size)
PY
