# A static binary on a minimal image. SQLite is pure Go, so no cgo is needed.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /consign .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /consign /consign
ENV PORT=8080
EXPOSE 8080
ENTRYPOINT ["/consign"]
CMD ["serve"]
