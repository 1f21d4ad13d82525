/*
 * frontdeskd — the central server. Everything is in server_main (main.c),
 * so unit tests link the server without this file.
 */
#include "frontdesk/server.h"

int main(int argc, char **argv)
{
	return server_main(argc, argv);
}
