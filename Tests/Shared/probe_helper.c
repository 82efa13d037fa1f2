// SPDX-License-Identifier: GPL-2.0
/* A child process for the attach tests: it waits for commands on stdin and answers "done <n>" on
 * stdout once it has carried one out, so a test knows exactly when the events it caused are over.
 *   call N          calls managedbpf_probe_target N times (uprobe target in this executable)
 *   getppid N       calls getppid() N times (a syscall tracepoint, and a uprobe target in libc)
 *   sleep N         sleeps 1 ms N times (each sleep switches the task out: sched_switch)
 *   udp N PORT ADDR opens a UDP socket and sends N one-byte datagrams to ADDR:PORT
 *   exit */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline, used)) int managedbpf_probe_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

int main(void)
{
	char line[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		char cmd[32] = "", addr[64] = "127.0.0.1";
		unsigned long n = 0, port = 0, i;
		long result = 0;

		if (sscanf(line, "%31s %lu %lu %63s", cmd, &n, &port, addr) < 1)
			continue;
		if (!strcmp(cmd, "exit"))
			return 0;
		if (!strcmp(cmd, "call")) {
			for (i = 0; i < n; i++)
				result += managedbpf_probe_target((int)i);
		} else if (!strcmp(cmd, "getppid")) {
			for (i = 0; i < n; i++)
				result += getppid();
		} else if (!strcmp(cmd, "sleep")) {
			struct timespec ms = { 0, 1000000 };

			for (i = 0; i < n; i++)
				nanosleep(&ms, NULL);
		} else if (!strcmp(cmd, "udp")) {
			struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
			int s = socket(AF_INET, SOCK_DGRAM, 0);

			inet_pton(AF_INET, addr, &to.sin_addr);
			for (i = 0; i < n; i++)
				result += sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
			close(s);
		}
		printf("done %ld\n", result);
	}
	return 0;
}
