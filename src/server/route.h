/*
 * Private to src/server: frontdeskd's HTTP routes. http.c is the transport
 * (libmicrohttpd, bodies under a cap, one database connection per worker,
 * the log line); routes.c holds the route table and dispatches a request
 * to its route after the checks the table states (method, who may call);
 * each route_*.c file answers one resource's requests.
 */
#ifndef FRONTDESK_SERVER_ROUTE_H
#define FRONTDESK_SERVER_ROUTE_H

#include <microhttpd.h>

#include "server_int.h"

/* One request being answered: owned by http.c, borrowed by the routes. */
struct request;

/* Who may call a route, checked by the dispatcher before its handler. */
enum route_auth {
	ROUTE_OPEN,	   /* anyone: the route proves what it needs itself */
	ROUTE_CONSOLE,	   /* a console's device token */
	ROUTE_BACK_OFFICE, /* a back-office system's device token */
	ROUTE_SUPERVISOR,  /* a console's token and, in X-Frontdesk-Session, the
			    * session of a supervisor or administrator at it */
};

/* What a handler gets: the request, and what the dispatcher found out. */
struct route_call {
	struct MHD_Connection *c;
	struct request *rq;
	struct pg *db;		/* this worker's connection; NULL only on a route
				 * that takes none (health says so itself) */
	struct device_auth dev; /* the token's device (every route but ROUTE_OPEN) */
	char user[64];		/* ROUTE_SUPERVISOR: the session's login */
	const char *param;	/* the path's {PARAM} ("fcr", "WB2-00417"), or NULL */
};

/*
 * A route: its method and path, who may call it, its handler. A path may
 * hold one {PARAM}: in the middle it stands for one segment of up to
 * ROUTE_PARAM_MAX - 1 bytes, at the end for the rest of the path.
 */
#define ROUTE_PARAM_MAX 40
struct route {
	const char *method;
	const char *path;
	enum route_auth auth;
	bool no_db; /* the handler works without a database connection */
	enum MHD_Result (*handle)(struct route_call *rc);
};

/*
 * Answers a request by the route table: 404 for a path no route has, 405
 * for a method the path does not take, 503 when the database does not
 * answer, 403 (or 401 for a session) when the caller may not; else the
 * route's handler. The device token itself was checked (identify) when the
 * headers came in, for every path that needs one.
 */
enum MHD_Result route_dispatch(struct MHD_Connection *c, struct request *rq, const char *url,
			       const char *method);
/* Whether a request for url needs a device token: every path but the
 * ROUTE_OPEN ones, and every path no route has. */
bool route_needs_token(const char *url);

/* The handlers, by file. */
enum MHD_Result route_healthz(struct route_call *rc);	    /* routes.c */
enum MHD_Result route_enrol(struct route_call *rc);	    /* route_enrol.c */
enum MHD_Result route_push(struct route_call *rc);	    /* route_push.c */
enum MHD_Result route_pull(struct route_call *rc);	    /* route_pull.c */
enum MHD_Result route_pull_problems(struct route_call *rc); /* route_pull.c */
enum MHD_Result route_session_open(struct route_call *rc);  /* route_session.c */
enum MHD_Result route_session_end(struct route_call *rc);   /* route_session.c */
enum MHD_Result route_case(struct route_call *rc);	    /* route_case.c */
enum MHD_Result route_report(struct route_call *rc);	    /* route_report.c */
enum MHD_Result route_audit_head(struct route_call *rc);    /* route_audit.c */

/* ---- what http.c lends the routes --------------------------------------- */

/* This worker's database connection, made on first use; NULL (and a log
 * line) when the database does not answer. */
struct pg *http_worker_db(void);
/*
 * 0 when the request's device token names a device this server issued and
 * has not revoked (rq keeps it; dev gets a copy, may be NULL); otherwise the
 * answer (401) was queued and *ret holds it.
 */
int http_identify(struct MHD_Connection *c, struct request *rq, struct pg *db,
		  struct device_auth *dev, enum MHD_Result *ret);
/* Names the device in the request's log line (enrolment, before a token). */
void http_log_device(struct request *rq, const char *code);

/* Queue an answer: a JSON body (json owned, freed), with Retry-After when
 * retry_after is not NULL; a server_error; an error from its parts; a JSON
 * value (released). Each returns what MHD_queue_response did. */
enum MHD_Result http_send_body(struct MHD_Connection *c, struct request *rq, int status, char *json,
			       const char *retry_after);
enum MHD_Result http_send_error(struct MHD_Connection *c, struct request *rq,
				const struct server_error *err);
enum MHD_Result http_fail(struct MHD_Connection *c, struct request *rq, int http, const char *code,
			  const char *field, const char *msg);
enum MHD_Result http_send_json(struct MHD_Connection *c, struct request *rq, int status, json_t *j);
/* A database failure: 503 (retry soon) when the connection or a lock was
 * the trouble, 500 otherwise. The detail goes to the log, not the client. */
enum MHD_Result http_db_failure(struct MHD_Connection *c, struct request *rq, const struct err *e);
/* The request's body as JSON (media type and encoding checked; caller
 * releases), or NULL when the answer was queued (*ret holds it). */
json_t *http_request_json(struct MHD_Connection *c, struct request *rq, enum MHD_Result *ret);
/*
 * A body's members against the ones a route takes (known, ended by NULL):
 * 0 when all are known; otherwise the 422 naming the first unknown member
 * (words its message) was queued (*ret holds it) and j was released.
 */
int http_only_members(struct MHD_Connection *c, struct request *rq, json_t *j,
		      const char *const *known, const char *words, enum MHD_Result *ret);

#endif
